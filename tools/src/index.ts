export { s3TestServers, serversRequired, type S3ServerName, type S3TestServer, type S3TestServerSlot } from './s3-servers.js';
