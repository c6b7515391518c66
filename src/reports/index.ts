/** Case reports: generated from the store, in JSON, CSV or printable HTML, each recorded in the audit log. */
export {
  generateReport,
  REPORT_FORMATS,
  type GeneratedReport,
  type ReportFormat,
  type ReportRequest,
} from './generate.js';
export { CALENDARS, LANGS, viewOptions, type Calendar, type Lang, type ViewOptions } from './i18n.js';
export { verifyReport, type ReportVerdict } from './verify.js';
export type { CaseReport } from './model.js';
