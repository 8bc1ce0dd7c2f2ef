/** Stored plans that run every night (blob container `plans` in Azure, a folder locally). */
export interface StoredPlan {
  /** File name within the source, e.g. `fraud-nightly.json`. */
  name: string;
  text: string;
}

export interface PlanSource {
  listPlans(): Promise<StoredPlan[]>;
}
