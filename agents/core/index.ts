/**
 * The agent runtime: every agent of the project (storage node, provider broker, INFT oracle, keepers, DA
 * signer, ...) is built from these pieces. See docs/agent-runtime.md.
 */
export * from "./errors.js";
export {
  loadConfig,
  baseConfigSchema,
  envVarName,
  LOG_LEVELS,
  type BaseConfig,
  type LoadConfigOptions,
  type LogLevel,
} from "./config.js";
export {
  addressBookSchema,
  addressBookPath,
  readAddressBook,
  parseAddressBook,
  writeAddressBook,
  updateAddressBook,
  contractAddress,
  type AddressBook,
} from "./address-book.js";
export {
  createLogger,
  componentLogger,
  silentLogger,
  REDACT_PATHS,
  type Logger,
  type CreateLoggerOptions,
} from "./logger.js";
export {
  hardhatLocal,
  zgGalileo,
  zgMainnet,
  KNOWN_CHAINS,
  getChain,
  createClients,
  assertChainId,
  type ChainClients,
  type CreateClientsOptions,
} from "./chain.js";
export {
  createEventSource,
  createEventProcessor,
  eventJobId,
  eventKeys,
  resolveEvents,
  typedHandler,
  type WatchedContract,
  type EventJobData,
  type DecodedEvent,
  type EventArgs,
  type HandlerContext,
  type EventHandler,
  type EventHandlers,
  type Cursor,
  type RemovedLog,
  type ReorgInfo,
  type PollResult,
  type EventSource,
  type CreateEventSourceOptions,
  type CreateEventProcessorOptions,
} from "./event-source.js";
export {
  createRedisConnection,
  createQueue,
  createWorker,
  scheduleRepeatable,
  getQueueStatus,
  closeAll,
  DEFAULT_JOB_OPTIONS,
  type CreateQueueOptions,
  type CreateWorkerOptions,
  type QueueStatus,
  type FailedJobSummary,
} from "./queue.js";
export {
  createTxSender,
  decodeRevert,
  formatRevert,
  type TxSender,
  type TxResult,
  type CreateTxSenderOptions,
  type SendTransactionParameters,
  type WriteContractParameters,
} from "./tx-sender.js";
export {
  createHttpServer,
  toJson,
  type AgentHttpServer,
  type CreateHttpServerOptions,
  type RouteContext,
  type RouteHandler,
  type JsonReply,
  type HttpMethod,
} from "./http.js";
export { createMetrics, type AgentMetrics } from "./metrics.js";
export {
  createAgent,
  handleSignals,
  type Agent,
  type AgentStatus,
  type CreateAgentOptions,
  type JobDefinition,
  type JobContext,
  type EventPipelineOptions,
} from "./agent.js";
