export { changeEvents, syncFinishedPayload, CHANGE_EVENT_BYTES, type ChangeBatch } from './change-events.js';
export { changeRecordCtes, recordChanges, type ChangeRecord } from './change-outbox.repository.js';
