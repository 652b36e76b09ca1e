/** The backend services, named as everywhere else (folders, logs, metrics, health keys). */
export type ServiceName = 'tiler' | 'classifier' | 'ugly-duckling';
