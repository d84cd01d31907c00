export * from './addressing.js';
export * from './build.js';
export * from './config.js';
export * from './context.js';
export * from './images.js';
export * from './names.js';
export * from './types.js';
export * from './wiring.js';
