/**
 * The offline admission evaluator: Gatekeeper's K8sNativeValidation (CEL) engine, constraint
 * matching and ExpansionTemplates, in TypeScript. See engine.ts.
 */
export { AdmissionEngine, type AdmissionEngineInput } from "./engine";
export { AdmissionInputError } from "./errors";
export type { AdmissionResult, EnforcementAction, KubeObject, Operation, RegoVerdicts, Violation } from "./types";
