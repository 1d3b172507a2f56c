/** Hand-built Plan pieces for tests that must not depend on the compiler. */
export { neutralPlan, neutralStep } from "../../src/plan/neutral.js";

