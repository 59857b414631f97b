// Placeholder until the lab lands: brings the lab up once for the lab test project and down after.
export default function setup(): void {}
