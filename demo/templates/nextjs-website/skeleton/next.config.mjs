/** @type {import('next').NextConfig} */
const nextConfig = {
{%- if values.hosting == 'static' %}
  output: 'export',
  images: { unoptimized: true },
{%- else %}
  output: 'standalone',
{%- endif %}
  reactStrictMode: true,
  transpilePackages: ['@encore/ui'],
};

export default nextConfig;
