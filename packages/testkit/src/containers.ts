/**
 * The Docker path. Imported lazily and only when a Docker engine answers: `testcontainers` must not
 * even load on machines without one (and v12 throws on import under Node 20; we pin 11.x).
 */
export interface StartedContainers {
  postgresUrl: string;
  natsUrl: string;
  stop(): Promise<void>;
}

export async function startContainers(): Promise<StartedContainers> {
  const { PostgreSqlContainer } = await import('@testcontainers/postgresql');
  const { NatsContainer } = await import('@testcontainers/nats');
  const [pg, nats] = await Promise.all([
    new PostgreSqlContainer('postgres:15-alpine').withUsername('postgres').withPassword('postgres').withDatabase('postgres').start(),
    new NatsContainer('nats:2.10-alpine').withJetStream().start(),
  ]);
  return {
    postgresUrl: pg.getConnectionUri(),
    natsUrl: `nats://${nats.getHost()}:${nats.getMappedPort(4222)}`,
    stop: async () => {
      await Promise.all([pg.stop(), nats.stop()]);
    },
  };
}
