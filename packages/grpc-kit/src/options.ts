import type { ChannelOptions } from '@grpc/grpc-js';

/** 64 MiB: a 12-megapixel photo's crops (hundreds of 128x128x3 patches) exceed gRPC's 4 MiB default. */
export const DEFAULT_MAX_MESSAGE_BYTES = 64 * 1024 * 1024;

export function messageSizeOptions(maxMessageBytes: number): ChannelOptions {
  return {
    'grpc.max_receive_message_length': maxMessageBytes,
    'grpc.max_send_message_length': maxMessageBytes,
  };
}
