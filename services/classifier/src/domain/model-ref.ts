import { AppError } from '@skinlesion/errors';

export interface ServedModelId {
  readonly name: string;
  readonly version: string;
}

/** True when a request's model_name/model_version designate the served model (empty = default). */
export function designates(served: ServedModelId, name: string, version: string): boolean {
  return (name === '' || name === served.name) && (version === '' || version === served.version);
}

/** Refuses requests for a model this server does not serve, naming the one it does. */
export function requireServedModel(served: ServedModelId, name: string, version: string): void {
  if (designates(served, name, version)) return;
  const asked = version === '' ? `"${name}"` : `"${name || served.name}" version "${version}"`;
  throw new AppError('NOT_FOUND', `model ${asked} is not served here; this server serves "${served.name}" version "${served.version}"`, {
    model: served.name,
    version: served.version,
  });
}
