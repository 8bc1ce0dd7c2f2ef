/** Stored plans that run every night (blob container `plans` in Azure, a folder locally). */
export interface StoredPlan {
  /** File name within the source, e.g. `fraud-nightly.json`. */
  name: string;
  text: string;
}

export interface PlanSource {
  listPlans(): Promise<StoredPlan[]>;
  /** A file beside the plans (e.g. a JSONL payload file named by payload.file); undefined when absent. */
  readFile(name: string): Promise<string | undefined>;
}
