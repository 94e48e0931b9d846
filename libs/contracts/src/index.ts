export * from './limits.js';
export * from './renderer.contract.js';
export * from './renderer-auth.js';
export * from './renderer-errors.js';
export * from './secret-file.js';
