/**
 * Splits traffic across deployments in proportion to their weights, deterministically by hit number:
 * hit n goes to the deployment whose share of [0, 1) holds frac(n·φ), a low-discrepancy sequence, so
 * every stretch of hits is split close to the weights — across workers too, since n is global.
 */
export class DeploymentSplit {
  private readonly names: string[];
  private readonly upper: number[] = [];

  constructor(deployments: readonly { name: string; weight: number }[]) {
    this.names = deployments.map((d) => d.name);
    const total = deployments.reduce((sum, d) => sum + d.weight, 0);
    let acc = 0;
    for (const d of deployments) this.upper.push((acc += d.weight / total));
    this.upper[this.upper.length - 1] = 1;
  }

  pick(seq: number): string {
    const x = (seq * 0.6180339887498949) % 1;
    for (let i = 0; i < this.upper.length; i++) if (x < this.upper[i]) return this.names[i];
    return this.names[this.names.length - 1];
  }
}
