/** Types for stage-package.mjs (imported by test/infra). */
export declare const ROOT_FILES: readonly string[];
export interface StageOptions {
  root: string;
  out?: string;
  install?: boolean;
  log?: (line: string) => void;
}
export declare function stagePackage(options: StageOptions): { out: string; files: number; bytes: number };
