export * from './errors';
export * from './digest';
export * from './image-ref';
export * from './finding';
export * from './verdict';
export * from './glob';
export * from './image-record';
export * from './signature-format';
