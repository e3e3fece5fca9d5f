import { createRoot } from 'react-dom/client';
import './styles.css';

function App() {
  return <h1 className="p-6 text-2xl font-semibold">Ultrabase</h1>;
}

createRoot(document.getElementById('root')!).render(<App />);
