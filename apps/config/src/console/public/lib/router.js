// Hash routes (#/mailboxes?deploymentId=…): the server only ever serves index.html and modules.
import { useEffect, useState } from 'preact/hooks';

export function parseHash(hash = location.hash) {
  const [path, query = ''] = hash.replace(/^#/, '').split('?');
  const parts = (path || '/profiles').split('/').filter(Boolean);
  return { parts, params: Object.fromEntries(new URLSearchParams(query)) };
}

export function navigate(path, params) {
  const qs = params ? new URLSearchParams(Object.entries(params).filter(([, v]) => v !== undefined && v !== '')).toString() : '';
  location.hash = `#${path}${qs ? `?${qs}` : ''}`;
}

export function useRoute() {
  const [route, setRoute] = useState(parseHash());
  useEffect(() => {
    const onChange = () => setRoute(parseHash());
    addEventListener('hashchange', onChange);
    return () => removeEventListener('hashchange', onChange);
  }, []);
  return route;
}
