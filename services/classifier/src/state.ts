import { UnavailableError } from '@skinlesion/errors';
import type { Classifier } from './runtime/classifier.js';

/**
 * Whether the server can take inference calls: not while the model loads and warms up, and not
 * once shutdown has begun. ServerReady, ModelReady and ModelInfer all read this one state.
 */
export class ServingState {
  private classifier: Classifier | undefined;
  private stopping = false;

  get ready(): boolean {
    return this.classifier !== undefined && !this.stopping;
  }

  /** The loaded classifier, if any, whether or not it takes new calls. */
  get current(): Classifier | undefined {
    return this.classifier;
  }

  serve(classifier: Classifier): void {
    this.classifier = classifier;
  }

  stop(): void {
    this.stopping = true;
  }

  /** The classifier for a new call, or UNAVAILABLE so that the caller tries another replica. */
  require(): Classifier {
    if (this.stopping) throw new UnavailableError('the classifier is shutting down');
    if (this.classifier === undefined) throw new UnavailableError('the classifier is still loading its model');
    return this.classifier;
  }
}
