/** The service's public surface: start it in a role, and the pieces the CLI prints. */
export { startService, ROLES, type Role, type Service, type ServiceOptions } from './start.js';
