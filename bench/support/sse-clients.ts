// Child process of bench/sse.ts: the event-stream clients, apart from the server under test, so
// that reading and parsing a thousand streams costs this process's CPU, not the server's event
// loop (in one process the clients' own work showed up as the server's lag). Talks over IPC:
//   open {urls}                 open one stream per url; replies once each has its first view
//   expect {urls, version, ms}  replies with the time (Date.now()) each client of those urls
//                               first saw `version`, or -1 after `ms`
//   ended                       replies with how many streams have ended
//   close                       aborts every stream and exits
import { sseBlocks } from '../../test/support/sse.ts';

interface Client {
  url: string;
  onData: ((data: string) => void) | undefined;
  ended: boolean;
  controller: AbortController;
}

const clients: Client[] = [];
const send = (m: unknown) => process.send?.(m);

async function open(url: string): Promise<void> {
  const client: Client = { url, onData: undefined, ended: false, controller: new AbortController() };
  clients.push(client);
  const res = await fetch(url, { signal: client.controller.signal });
  let first: () => void = () => {};
  const opened = new Promise<void>((r) => {
    first = r;
  });
  void (async () => {
    try {
      for await (const block of sseBlocks(res.body!)) {
        // The view once, then patches; a changed image shows in the patch that carries it.
        if (block.event !== 'view' && block.event !== 'patch') continue;
        first();
        client.onData?.(block.data);
      }
    } catch {
      // aborted at the end
    }
    client.ended = true;
    first();
  })();
  await opened;
}

function expect(urls: string[], version: string, ms: number): Promise<number[]> {
  const wanted = new Set(urls);
  const waits = clients
    .filter((c) => wanted.has(c.url))
    .map(
      (c) =>
        new Promise<number>((resolve) => {
          const timer = setTimeout(() => {
            c.onData = undefined;
            resolve(-1);
          }, ms);
          c.onData = (data) => {
            if (!data.includes(version)) return;
            clearTimeout(timer);
            c.onData = undefined;
            resolve(Date.now());
          };
        }),
    );
  return Promise.all(waits);
}

process.on('message', async (m: { cmd: string; id: number; args: Record<string, unknown> }) => {
  switch (m.cmd) {
    case 'open':
      await Promise.all((m.args.urls as string[]).map(open));
      send({ type: 'reply', id: m.id, value: true });
      break;
    case 'expect': {
      // Registered before the change is made: the reply comes when every client saw it.
      const times = expect(m.args.urls as string[], m.args.version as string, m.args.ms as number);
      send({ type: 'reply', id: m.id, value: 'armed' });
      send({ type: 'seen', version: m.args.version, times: await times });
      break;
    }
    case 'ended':
      send({ type: 'reply', id: m.id, value: clients.filter((c) => c.ended).length });
      break;
    case 'close':
      for (const c of clients) c.controller.abort();
      send({ type: 'reply', id: m.id, value: true });
      process.exit(0);
  }
});
send({ type: 'ready' });
