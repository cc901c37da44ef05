// The layering of docs/architecture.md, checked by `npm test` (npm run lint:layers):
//   doors (oauth, ui, http, views, api; app/main/cli compose) → auth → federation, native, tokens,
//   delivery → directory → shared;  providers/ → only providers/ and src/shared.
const DOORS = '^src/(oauth|ui|http|views|api)/|^src/(app|main|cli|services|settings)\\.ts$';
const CORE_BELOW_AUTH = '^src/(federation|native|tokens|delivery)/';

module.exports = {
  forbidden: [
    { name: 'no-circular', severity: 'error', comment: 'Modules form no cycles.', from: {}, to: { circular: true } },
    {
      name: 'providers-stand-alone', severity: 'error',
      comment: 'Provider adapters know only their protocols: nothing from src/ but src/shared.',
      from: { path: '^providers/' }, to: { path: '^src/', pathNot: '^src/shared/' },
    },
    {
      name: 'shared-is-a-leaf', severity: 'error',
      comment: 'src/shared is what everyone may import, so it imports nothing of ours.',
      from: { path: '^src/shared/' }, to: { path: '^(src|providers)/', pathNot: '^src/shared/' },
    },
    {
      name: 'directory-below-all', severity: 'error',
      comment: 'The directory (store port, adapters, schema) knows no layer above it.',
      from: { path: '^src/directory/' }, to: { path: '^(src|providers)/', pathNot: '^src/(directory|shared)/' },
    },
    {
      name: 'services-below-auth', severity: 'error',
      comment: 'federation, native, tokens and delivery are used by the sign-in core, never the other way round, and know no door.',
      from: { path: CORE_BELOW_AUTH }, to: { path: `^src/auth/|${DOORS}` },
    },
    {
      name: 'auth-below-doors', severity: 'error',
      comment: 'The sign-in core is framework-free: no door, no Koa.',
      from: { path: '^src/auth/' }, to: { path: `${DOORS}|^node_modules/(koa|@koa)/` },
    },
    {
      name: 'doors-apart', severity: 'error',
      comment: 'The OAuth endpoints and the hosted pages never import each other.',
      from: { path: '^src/oauth/' }, to: { path: '^src/ui/' },
    },
    {
      name: 'doors-apart-2', severity: 'error',
      comment: 'The OAuth endpoints and the hosted pages never import each other.',
      from: { path: '^src/ui/' }, to: { path: '^src/oauth/' },
    },
    {
      name: 'views-render-only', severity: 'error',
      comment: 'Page templates render; they call no door and no service.',
      from: { path: '^src/views/' }, to: { path: `${DOORS}|${CORE_BELOW_AUTH}|^providers/`, pathNot: '^src/views/' },
    },
    {
      name: 'koa-only-in-doors', severity: 'error',
      comment: 'Only the doors and the composition speak HTTP through Koa.',
      from: { path: '^(src|providers)/', pathNot: DOORS }, to: { path: '^node_modules/(koa|@koa)/' },
    },
    {
      name: 'doors-through-the-core', severity: 'error',
      comment: 'Doors reach providers only for the ProviderError type they map.',
      from: { path: '^src/(oauth|ui|http|views|api)/' }, to: { path: '^providers/', pathNot: '^providers/provider\\.ts$' },
    },
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    tsConfig: { fileName: 'tsconfig.json' },
    tsPreCompilationDeps: true,
  },
};
