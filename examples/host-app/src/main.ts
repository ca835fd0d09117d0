/* eslint-disable no-console -- an example's entry point: it talks to the person who started it. */
import { createHostApp } from './host-app.js';
import { loadHostConfig } from './host-config.js';

const config = loadHostConfig(process.env);
const { server } = createHostApp(config);
server.listen(config.port, config.host, () => {
  console.log(`example host app on http://${config.host}:${config.port} (embeds the panel from ${config.apiUrl}; user tokens live ${config.tokenTtlSeconds} s)`);
  console.log(`canvas-sync must allow this origin: CORS_ORIGINS=http://${config.host}:${config.port} and WS_ALLOWED_ORIGINS=http://${config.host}:${config.port}`);
});
const stop = () => server.close(() => process.exit(0));
process.once('SIGINT', stop);
process.once('SIGTERM', stop);
