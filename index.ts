// The k8s-hardening-lab program. Everything happens in components/: this file only hands Pulumi
// the stack outputs.
import { deployLab } from "./components";

export = deployLab();
