export { connectNats, type ConnectNatsOptions } from './connect.js';
export { applyReplicas, deleteStreams, provisionJetStream } from './provision.js';
export { encodeMessage, publish, publishCore, publishRetrying, type PreparedField, type PublishOptions } from './publish.js';
export { decodeMessage, type Decoded, type DecodeResult } from './decode.js';
export { on, startConsumer, type ConsumerOptions, type HandlerResult, type MessageContext, type Route, type RunningConsumer } from './consume.js';
export { isTransientBrokerError } from './transient.js';
