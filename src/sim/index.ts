// The simulator's public API, for the CLI and tests.
export {
  describeSimulator,
  simulatorCapacityRps,
  startSimulator,
  validateSimulatorOptions,
  type RunningSimulator,
  type ServiceTimeSpec,
  type SimulatorDeployment,
  type SimulatorOptions,
  type SimulatorStats,
} from './simulator.js';
