'use strict';
// The catalog of a real Backstage backend, as greenroom's `backstage` source test reads it:
// the catalog plugin and the Template kind, nothing else (no build step, plain CommonJS).
const { createBackend } = require('@backstage/backend-defaults');

const backend = createBackend();
backend.add(import('@backstage/plugin-catalog-backend'));
backend.add(import('@backstage/plugin-catalog-backend-module-scaffolder-entity-model'));
backend.start();
