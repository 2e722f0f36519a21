#!/usr/bin/env node
// Entry point kept outside dist/ so that npm can link it before the TypeScript build has run.
import '../dist/bin.js';
