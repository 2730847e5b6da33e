import { render } from 'preact';
import { BettorApp } from './app.tsx';

render(<BettorApp />, document.getElementById('app')!);
