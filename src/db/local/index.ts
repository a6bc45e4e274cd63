export { type BufferLimitOptions, enforceBufferLimit } from './buffer-limit.js';
export {
  type BackgroundCheckpointOptions,
  type BackgroundCheckpoints,
  startBackgroundCheckpoints,
} from './checkpointer.js';
export { COLLECT_SLICE_ROWS, type CollectOptions, type CollectResult, collect } from './collect.js';
export { COUNTER, incrementCounter, readCounters } from './counters.js';
export { createExportSource } from './export-source.js';
export { createIncidentExportSource, type IncidentExportSource } from './incident-export-source.js';
export {
  type DeliveryView,
  type HistoryQuery,
  type IncidentWithDeliveries,
  incidentHistory,
  openIncidents,
} from './incident-queries.js';
export { acquireInstanceLock, type InstanceLock } from './instance-lock.js';
export { createJobStore, type JobStoreOptions, type LocalJobStore } from './job-store.js';
export { localMigrationsFolder } from './migrations-folder.js';
export {
  type LocalDatabase,
  type LocalDrizzle,
  type OpenLocalDatabaseOptions,
  openLocalDatabase,
} from './open.js';
export * as localSchema from './schema.js';
export { listSetAside, missingSetAside, requeueSetAside, type SetAsideRow } from './set-aside.js';
export { isBusy, isDiskFull } from './sqlite-errors.js';
