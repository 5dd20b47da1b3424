// Liveness/readiness for Kubernetes and greenroom's health widget.
export const dynamic = 'force-dynamic';

export function GET() {
  return Response.json({
    status: 'UP',
    service: '${{ values.name }}',
    version: process.env.GIT_SHA ?? 'dev',
  });
}
