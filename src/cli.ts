#!/usr/bin/env node
console.log('clamprovision');
