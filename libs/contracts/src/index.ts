export * from './renderer.contract.js';
export * from './secret-file.js';
