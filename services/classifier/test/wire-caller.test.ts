import { Server, ServerCredentials, status, type sendUnaryData, type ServerUnaryCall } from '@grpc/grpc-js';
import { loadInferenceProto, type ModelInferRequest__Output, type ModelInferResponse } from '@skinlesion/proto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { frameMessage, unframeMessage, WireCaller, WireCallError } from '../src/bench/wire-caller.js';

const method = loadInferenceProto().GRPCInferenceService.service.ModelInfer;

/** A grpc-js server whose ModelInfer answers by the request's id: "ok", "busy" (RESOURCE_EXHAUSTED) or "echo". */
async function startServer(): Promise<{ server: Server; target: string; seen: ModelInferRequest__Output[] }> {
  const seen: ModelInferRequest__Output[] = [];
  const server = new Server();
  server.addService(loadInferenceProto().GRPCInferenceService.service, {
    ModelInfer: (call: ServerUnaryCall<ModelInferRequest__Output, ModelInferResponse>, callback: sendUnaryData<ModelInferResponse>) => {
      seen.push(call.request);
      if (call.request.id === 'busy') return callback({ code: status.RESOURCE_EXHAUSTED, details: 'queue full: retry' });
      callback(null, { modelName: 'm', id: call.request.id, outputs: [{ name: 'probabilities', datatype: 'FP32', shape: [1, 6] }], rawOutputContents: [Buffer.alloc(24)] });
    },
  });
  const port = await new Promise<number>((resolve, reject) => server.bindAsync('127.0.0.1:0', ServerCredentials.createInsecure(), (error, bound) => (error ? reject(error) : resolve(bound))));
  return { server, target: `127.0.0.1:${port}`, seen };
}

function request(id: string): Buffer {
  return frameMessage(method.requestSerialize({ id, inputs: [{ name: 'input', datatype: 'UINT8', shape: [1, 2, 2, 3] }], rawInputContents: [Buffer.alloc(12, 7)] }));
}

describe('WireCaller', () => {
  let fixture: Awaited<ReturnType<typeof startServer>>;
  beforeAll(async () => {
    fixture = await startServer();
  });
  afterAll(() => fixture.server.forceShutdown());

  it('sends the framed request as a grpc-js server reads it, and checks only the first answer', async () => {
    const answers: string[] = [];
    const caller = new WireCaller(fixture.target, method.path, request('ok'), (message) => answers.push(method.responseDeserialize(message).id));
    try {
      await caller.call();
      await caller.call();
      await caller.call();
    } finally {
      caller.close();
    }
    expect(answers).toEqual(['ok']);
    const last = fixture.seen.at(-1)!;
    expect(last.id).toBe('ok');
    expect([...last.rawInputContents[0]!]).toEqual(new Array(12).fill(7));
  });

  it('fails a call with the gRPC status name and message the server sent', async () => {
    const caller = new WireCaller(fixture.target, method.path, request('busy'), () => undefined);
    try {
      await expect(caller.call()).rejects.toMatchObject({ code: 'RESOURCE_EXHAUSTED', message: 'queue full: retry' });
    } finally {
      caller.close();
    }
  });

  it('fails the run when the first answer does not pass the check', async () => {
    const caller = new WireCaller(fixture.target, method.path, request('ok'), () => {
      throw new WireCallError('INTERNAL', 'wrong answer');
    });
    try {
      await expect(caller.call()).rejects.toMatchObject({ code: 'INTERNAL' });
    } finally {
      caller.close();
    }
  });

  it('says UNAVAILABLE when nothing listens', async () => {
    const idle = await startServer();
    const target = idle.target;
    await new Promise<void>((resolve) => idle.server.tryShutdown(() => resolve()));
    const caller = new WireCaller(target, method.path, request('ok'), () => undefined);
    try {
      await expect(caller.call()).rejects.toMatchObject({ code: 'UNAVAILABLE' });
    } finally {
      caller.close();
    }
  });

  it('refuses a body that is not one uncompressed message', () => {
    expect(unframeMessage(frameMessage(Buffer.from('abc'))).toString()).toBe('abc');
    expect(() => unframeMessage(Buffer.from([1, 0, 0, 0, 0]))).toThrow(WireCallError);
    expect(() => unframeMessage(Buffer.from([0, 0, 0, 0, 9, 1]))).toThrow(/not one uncompressed/);
  });
});
