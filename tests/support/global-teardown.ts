/** After the test run: the run's lab captures go (captures.ts). */
import { removeCapturesFolder } from "./captures";

export default removeCapturesFolder;
