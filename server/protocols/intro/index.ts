/** "How this lab works": one HTTP request that touches the database, and a WebSocket echo to drop. */
export { acceptEcho, closeEcho } from './echo';
export { getAccount } from './handler';
