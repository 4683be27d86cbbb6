/** @type {import('next').NextConfig} */
const nextConfig = {
  // Pages only: every lab endpoint lives in server/ (see docs/ARCHITECTURE.md).
  poweredByHeader: false,
  reactStrictMode: true,
  // Lesson files are read at build time from lessons/<slug>/lesson.mdx.
  outputFileTracingIncludes: { '/lessons/[slug]': ['./lessons/**/*.mdx'] },
};

export default nextConfig;
