import type { MachineInfo } from './machine.js';
import type { ServerSplit } from './prometheus.js';
import type { LatencySummary } from './stats.js';

/**
 * Everything one `pnpm bench` run measured: docs/benchmarks.json. Latencies are in ms,
 * throughputs per second, CPU in seconds (or cores: CPU seconds per second of window), memory
 * in bytes.
 */
export interface BenchResults {
  readonly schema: 1;
  readonly startedAt: string;
  finishedAt?: string;
  durationSeconds?: number;
  readonly quick: boolean;
  readonly experiments: readonly ExperimentId[];
  readonly machine: MachineInfo;
  readonly model: { name: string; version: string; inputSize: number; onnxManifestPatched: boolean };
  /** CLASSIFIER_*, GATEWAY_* and similar variables set in the benchmark's environment. */
  readonly environment: Record<string, string>;
  raw?: RawExperiment;
  grpc?: GrpcExperiment;
  e2e?: E2eExperiment;
  scaleout?: ScaleoutExperiment;
  overload?: OverloadExperiment;
  blobs?: BlobExperiment;
  targets?: TargetRow[];
  /** Problems met on the way (an experiment that failed, a skipped part), in order. */
  readonly notes: string[];
}

export const EXPERIMENT_IDS = ['raw', 'grpc', 'e2e', 'scaleout', 'overload', 'blobs'] as const;
export type ExperimentId = (typeof EXPERIMENT_IDS)[number];

export interface RawRow {
  /** onnxruntime or tfjs. */
  readonly runtime: string;
  /** cpu (ONNX Runtime) or the TF.js backend (wasm). */
  readonly backend: string;
  readonly batch: number;
  readonly cropsPerSecond: number;
  readonly batchMs: number;
  readonly crops: number;
  readonly seconds: number;
  /** Cores other processes used while this runtime was measured. */
  readonly otherCores: number;
}

export interface RawExperiment {
  readonly threads: 1;
  readonly seconds: number;
  readonly rows: RawRow[];
  /** Cores a spin loop kept busy while besideBusyRows were measured (absent in older runs). */
  readonly busyNeighbourCores?: number;
  /** ONNX Runtime measured again with every other core spinning. */
  readonly besideBusyRows?: RawRow[];
}

export interface GrpcMode {
  /** "on" (as shipped), "on-32" (max batch 32, delay 1 ms), "off" (max batch 1). */
  readonly id: string;
  readonly label: string;
  readonly maxBatch: number;
  readonly maxQueueDelayMs: number;
}

/** One concurrency level of a closed loop of batch-1 ModelInfer calls. */
export interface GrpcRow {
  readonly mode: string;
  readonly concurrency: number;
  readonly cropsPerSecond: number;
  readonly latencyMs: LatencySummary;
  readonly server: ServerSplit;
  /** CPU cores the classifier process(es) and the load generator used in the window. */
  readonly serverCores: number;
  readonly clientCores: number;
  /** Cores used by processes that are not part of the benchmark (other work on the machine). */
  readonly otherCores: number;
  readonly errors: Record<string, number>;
  readonly seconds: number;
}

/** Which program sent the gRPC calls: h2load (nghttp2's C client) or the classifier's Node load tool. */
export type LoadClient = 'h2load' | 'node';

export interface GrpcExperiment {
  /** The load generator: h2load (C) when installed, else the classifier's Node load tool; absent before h2load. */
  readonly client?: LoadClient;
  readonly runtime: 'onnxruntime';
  readonly cropsPerRequest: 1;
  readonly warmUpSeconds: number;
  readonly seconds: number;
  readonly modes: GrpcMode[];
  readonly rows: GrpcRow[];
  /** The raw limit and the shipped mode at concurrency 16 measured back to back, round after round (absent in older runs). */
  readonly efficiencyPairs?: EfficiencyPair[];
}

/** One round: the raw in-process limit (at the batch size picked before the pairs) and the served rate, one right after the other. */
export interface EfficiencyPair {
  readonly rawCropsPerSecond: number;
  readonly rawBatch: number;
  readonly servedCropsPerSecond: number;
  /** Which side ran first (absent in older runs, where the raw limit always did). */
  readonly first?: 'raw' | 'served';
  readonly seconds: number;
}

/** One concurrency level of POST /v1/analyses with the 12 MP photo. */
export interface E2eRow {
  readonly replicas: number;
  readonly concurrency: number;
  readonly requestsPerSecond: number;
  readonly latencyMs: LatencySummary;
  readonly server: ServerSplit;
  readonly statuses: Record<string, number>;
  readonly seconds: number;
  /** CPU cores used in the window, per service (classifiers summed). */
  readonly cores: Record<string, number>;
  /** Cores used by processes that are not part of the benchmark (other work on the machine). */
  readonly otherCores: number;
}

export interface E2eExperiment {
  readonly photo: PhotoInfo;
  readonly warmUpSeconds: number;
  readonly seconds: number;
  readonly rows: E2eRow[];
  /** Concurrency 1, the system otherwise idle: what one photo costs, stage by stage. */
  readonly idle: IdleBreakdown[];
}

export interface PhotoInfo {
  readonly width: number;
  readonly height: number;
  readonly lesions: number;
  readonly seed: number;
  readonly bytes: number;
  /** Candidates the system found in it (lesions in the answer). */
  readonly candidates: number;
}

export interface IdleBreakdown {
  readonly replicas: number;
  readonly requests: number;
  readonly p50Ms: number;
  /** Median ms per stage: gateway stages (tile, classify, uglyDuckling, total) and tiler.* steps. */
  readonly stagesMedianMs: Record<string, number>;
  /** Cores other processes took meanwhile: the idle figure is the one taken when this was least. */
  readonly otherCores: number;
}

/** The seed's experiment: 16 clients x 10 POST /v1/classify, repeated. */
export interface SeedRun {
  readonly replicas: number;
  readonly clients: number;
  readonly requestsPerClient: number;
  readonly totalSeconds: number[];
  readonly medianTotalSeconds: number;
  readonly requestsPerSecond: number;
  readonly latencyMs: LatencySummary;
  readonly statuses: Record<string, number>;
  /** Cores used by processes that are not part of the benchmark (other work on the machine). */
  readonly otherCores: number;
}

/** A sustained closed loop on POST /v1/classify, with each process's CPU per request. */
export interface SustainedRest {
  readonly replicas: number;
  readonly concurrency: number;
  readonly requestsPerSecond: number;
  readonly latencyMs: LatencySummary;
  readonly seconds: number;
  readonly statuses: Record<string, number>;
  /** CPU seconds per request: gateway, tiler, classifier (all replicas), ugly-duckling. */
  readonly cpuSecondsPerRequest: Record<string, number>;
  readonly cores: Record<string, number>;
  /** Cores used by processes that are not part of the benchmark (other work on the machine). */
  readonly otherCores: number;
  readonly server: ServerSplit;
}

/** The classifier tier alone: 16 concurrent batch-1 ModelInfer calls over 1 or 2 replicas. */
export interface GrpcScaleRow {
  readonly replicas: number;
  readonly concurrency: number;
  readonly cropsPerSecond: number;
  readonly latencyMs: LatencySummary;
  readonly server: ServerSplit;
  /** CPU seconds of classifier work per crop (all replicas). */
  readonly cpuSecondsPerCrop: number;
  readonly serverCores: number;
  readonly clientCores: number;
  /** Cores used by processes that are not part of the benchmark (other work on the machine). */
  readonly otherCores: number;
  readonly errors: Record<string, number>;
}

/** One round of the classifier tier's scale-out: each replica count for one window, back to back, in the order run. */
export type GrpcScaleRound = readonly { readonly replicas: number; readonly cropsPerSecond: number }[];

export interface ProjectionRow {
  readonly replicas: number;
  /** Classifier tier alone: replicas x one core / classifier CPU per crop. */
  readonly grpcCropsPerSecond: number;
  /** REST /v1/classify with the gateway and the tiler on one core each. */
  readonly restRequestsPerSecond: number;
  readonly restBottleneck: string;
  /** Measured figures for the replica counts that ran, to check the model against. */
  readonly measuredGrpcCropsPerSecond?: number;
  readonly measuredRestRequestsPerSecond?: number;
}

export interface ScaleoutExperiment {
  readonly patch: { width: number; height: number; bytes: number };
  /** Replica counts run: 1, 2 and, with more cores, the core count. */
  readonly replicaCounts: number[];
  readonly seed: SeedRun[];
  readonly sustained: SustainedRest[];
  /** The classifier tier's rows of the median round (by 2 replicas over 1), or of the only round. */
  readonly grpc: GrpcScaleRow[];
  /**
   * Every round of the classifier tier, the order of replica counts alternating from one round
   * to the next so that the host's drift falls on both sides; absent in runs before rounds.
   */
  readonly grpcRounds?: GrpcScaleRound[];
  /** The tier's load generator, as in experiment 2; absent before h2load. */
  readonly grpcClient?: LoadClient;
  readonly projection: { readonly assumptions: string[]; readonly demands: Record<string, number>; readonly rows: ProjectionRow[] };
}

export interface AdmissionAtKnee {
  readonly maxInFlight: number;
  readonly maxQueued: number;
  readonly maxQueueWaitMs: number;
}

export interface OverloadExperiment {
  readonly route: '/v1/classify';
  readonly replicas: number;
  readonly saturation: { concurrency: number; requestsPerSecond: number; latencyMs: LatencySummary };
  readonly unloaded: { latencyMs: LatencySummary };
  /** The gateway's admission limit for the open loop, set from the two measurements above. */
  readonly admission: AdmissionAtKnee;
  readonly offeredRate: number;
  readonly seconds: number;
  readonly offered: number;
  readonly sent: number;
  readonly notSent: number;
  readonly statuses: Record<string, number>;
  /** 200 answers per second while sending. */
  readonly acceptedRate: number;
  /** 200 answers over the time from the first send to the last answer, per second. */
  readonly acceptedOverallRate: number;
  readonly lastAnswerSeconds: number;
  readonly acceptedPerSecond: number[];
  readonly acceptedLatencyMs: LatencySummary;
  readonly rejectedLatencyMs: LatencySummary;
  readonly rejectedShare: number;
  readonly abortedAtDrain: number;
  readonly clientCores: number;
  /** Cores used by processes that are not part of the benchmark (other work on the machine). */
  readonly otherCores: number;
  /** VmHWM per service process at the end, bytes. */
  readonly peakRssBytes: Record<string, number>;
  readonly classifierRejected: number;
}

export interface BlobExperiment {
  readonly width: number;
  readonly height: number;
  readonly repeats: number;
  readonly opencvVersion: string;
  /** Medians over the repeats, ms; ours is the detector as the tiler ships it (oursThreads threads). */
  readonly opencvMs: number;
  readonly oursMs: number;
  readonly opencvRunsMs: number[];
  readonly oursRunsMs: number[];
  /** Threads of our timed detector. Absent from results measured before it was recorded. */
  readonly oursThreads?: number;
  /** Our detector on the calling thread alone, in the same runs (median over the repeats, ms). Absent as oursThreads. */
  readonly oursSingleThreadMs?: number;
  readonly oursSingleThreadRunsMs?: number[];
  /** Whether the shipped detector's blobs equalled the single thread's, order included, in every run. */
  readonly threadsAgree?: boolean;
  readonly opencvKeypoints: number;
  readonly ourBlobs: number;
  readonly matched: number;
  readonly recall: number;
  readonly precision: number;
}

export interface TargetRow {
  readonly id: string;
  readonly target: string;
  /** The measured value in words, e.g. "612 crops/s vs 640 crops/s". */
  readonly measured: string;
  /** The figure compared with the threshold (a ratio or a value). */
  readonly value: number;
  readonly threshold: number;
  /** "min": value must reach the threshold; "max": must stay at or under it; "info": no threshold. */
  readonly kind: 'min' | 'max' | 'info';
  readonly unit: string;
  readonly verdict: 'PASS' | 'MISS' | 'INFO' | 'NOT RUN';
  readonly explanation?: string;
}
