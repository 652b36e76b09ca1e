import type { ChannelOptions } from '@grpc/grpc-js';

/** 64 MiB: a 12-megapixel photo's crops (hundreds of 128x128x3 patches) exceed gRPC's 4 MiB default. */
export const DEFAULT_MAX_MESSAGE_BYTES = 64 * 1024 * 1024;

export function messageSizeOptions(maxMessageBytes: number): ChannelOptions {
  return {
    'grpc.max_receive_message_length': maxMessageBytes,
    'grpc.max_send_message_length': maxMessageBytes,
  };
}

/**
 * Reconnection back-off of a client channel to a service inside the deployment: retry after
 * 100 ms, growing to at most 1 s. grpc-js's defaults (1 s growing to 120 s) suit a remote API;
 * between our own services they left a restarted replica unused for seconds after it was back
 * (measured: 7.2 s with the defaults, 0.4 s with these, for a server down 15 s).
 */
export const RECONNECT_OPTIONS: Readonly<ChannelOptions> = Object.freeze({
  'grpc.initial_reconnect_backoff_ms': 100,
  'grpc.max_reconnect_backoff_ms': 1000,
});
