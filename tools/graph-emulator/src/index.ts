export * from './emulator';
export * from './store';
export { GRAPH_RESOURCE } from './entra';
export { MESSAGE_SIZE_PROPERTY } from './graph-json';
