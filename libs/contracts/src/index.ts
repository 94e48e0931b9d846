export * from './renderer.contract.js';
