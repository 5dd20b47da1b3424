'use strict';
// A real Backstage backend for greenroom's tests: the catalog (read as a `backstage` source)
// and the scaffolder (remote template runs, dry runs), with the github and notifications
// modules whose actions the create-app template names. No build step, plain CommonJS.
const { createBackend } = require('@backstage/backend-defaults');

const backend = createBackend();
backend.add(import('@backstage/plugin-catalog-backend'));
backend.add(import('@backstage/plugin-catalog-backend-module-scaffolder-entity-model'));
backend.add(import('@backstage/plugin-scaffolder-backend'));
backend.add(import('@backstage/plugin-scaffolder-backend-module-github'));
backend.add(import('@backstage/plugin-notifications-backend'));
backend.add(import('@backstage/plugin-signals-backend'));
backend.add(import('@backstage/plugin-scaffolder-backend-module-notifications'));
backend.start();
