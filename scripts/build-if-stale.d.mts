/** The first source (relative path) whose build output is missing or older, or null when dist/ is current. */
export function staleSource(root?: string): string | null;
/** Runs `npm run build` when staleSource() finds something; exits the process if the build fails. */
export function buildIfStale(): void;
