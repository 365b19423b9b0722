#!/usr/bin/env node
'use strict';
// The CLI is TypeScript; tsx compiles it on load so `npx tollgate` works straight from a clone.
require('tsx/cjs/api').register();
require('../main.ts')
  .main(process.argv.slice(2))
  .then((code) => {
    process.exitCode = code;
  });
