/** Before the test run: the folder of the run's lab captures (captures.ts). */
import { makeCapturesFolder } from "./captures";

export default makeCapturesFolder;
