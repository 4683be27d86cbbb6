/** "How this lab works": one HTTP request that touches the database, and a WebSocket echo to drop. */
export { createEcho } from './echo';
export { getAccount } from './handler';
