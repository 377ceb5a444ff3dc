export { MAX_PACKET_SIZE, MAX_PAYLOAD_SIZE, FLUSH_PKT, DELIM_PKT, RESPONSE_END_PKT } from './constants.js';
export { PktLineError, RemoteError, SideBandError, type PktLineErrorCode } from './errors.js';
export { type Packet, decodeLine, decodeMessage, isErrLine } from './packet.js';
export { encodePacket } from './encode.js';
export { PacketParser } from './packet-parser.js';
export { type ByteSource } from './byte-source.js';
export { PktLineReader } from './reader.js';
export { demuxSideBand, demuxSideBandPackets, type SideBandOptions } from './side-band.js';
export { encodeCommandRequest, type CommandRequest } from './command-request.js';
export { ZERO_OID, isObjectId } from './object-id.js';
export {
  parseRefAdvertisement,
  type AdvertisedRef,
  type RefAdvertisement,
  type ParseRefAdvertisementOptions,
} from './ref-advertisement.js';
export { parseLsRefs } from './ls-refs.js';
export {
  DEFAULT_MAX_LISTING_BYTES,
  DEFAULT_MAX_REFS,
  ListingLimitError,
  listingLimitsFor,
  MIN_DERIVED_REFS,
  PARSED_REF_OVERHEAD,
  TYPICAL_REF_LINE,
  type ListingLimits,
} from './limits.js';
