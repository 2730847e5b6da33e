import { render } from 'preact';
import { TradingApp } from './app.tsx';

render(<TradingApp />, document.getElementById('app')!);
