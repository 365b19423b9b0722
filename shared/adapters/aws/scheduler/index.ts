export {
  SchedulerScanTimeouts,
  scheduleName,
  atExpression,
  type ScanTimeoutInput,
  type SchedulerScanTimeoutsProps,
} from './scan-timeout-scheduler';
