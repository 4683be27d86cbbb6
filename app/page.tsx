export default function Home() {
  return (
    <main>
      <h1>API Patterns Lab</h1>
    </main>
  );
}
