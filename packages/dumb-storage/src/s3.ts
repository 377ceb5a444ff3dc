export { createS3Storage, S3Storage, type CreateS3StorageOptions, type S3StorageOptions } from './s3/s3-storage.js';
export { createDefaultS3Client, type S3ClientOptions } from './s3/s3-client.js';
export { parseS3Url, type S3Location } from './s3/s3-location.js';
