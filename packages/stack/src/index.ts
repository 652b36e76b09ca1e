export { ServiceProcess, type ListeningPorts, type ServiceProcessOptions } from './service-process.js';
export { SERVICE_NAMES, serviceEntry, startStack, type Stack, type StackOptions } from './stack.js';
